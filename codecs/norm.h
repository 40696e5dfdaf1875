/*
 * norm: converters between each asn1c type and its part of struct v2x_msg
 * (internal to codecs/).  For every type T:
 *   norm__T_from(cv, asn, model) reads a decoded asn1c value into the model;
 *   norm__T_to(cv, model, asn) fills a zeroed asn1c value from the model,
 *   with memory from cv's arena.
 * Failures are recorded in cv (see convert.h).
 */
#ifndef V2X_CODECS_NORM_H
#define V2X_CODECS_NORM_H

#include "AccelerationSet4Way.h"
#include "BasicSafetyMessage.h"
#include "BrakeSystemStatus.h"
#include "DDateTime.h"
#include "Description.h"
#include "FullPositionVector.h"
#include "MapData.h"
#include "MotionConfidenceSet.h"
#include "NodeReferenceID.h"
#include "PointList.h"
#include "Position3D.h"
#include "PositionConfidenceSet.h"
#include "PositionOffsetLLV.h"
#include "PositionalAccuracy.h"
#include "RSITimeDetails.h"
#include "ReferenceLinkList.h"
#include "ReferencePathList.h"
#include "RoadSideInformation.h"
#include "RoadsideSafetyMessage.h"
#include "SPAT.h"
#include "SpeedLimitList.h"
#include "VehicleClassification.h"
#include "VehicleSize.h"

#include "codecs/convert.h"

/* Scales of the schema's units (see msg.h and the ASN.1 modules). */
extern const struct cvt_scale norm__lat, norm__lon, norm__elev, norm__speed, norm__heading,
        norm__coarse_heading, norm__steering, norm__accel, norm__vert_accel, norm__yaw_rate,
        norm__dsecond, norm__moy, norm__time_mark, norm__time_offset, norm__confidence,
        norm__semi_axis, norm__orientation, norm__radius, norm__lane_width, norm__veh_width,
        norm__veh_length, norm__veh_height;

/* Enumerations: sizes and whether a newer schema may add values. */
extern const struct cvt_enum norm__time_confidence, norm__pos_confidence, norm__elev_confidence,
        norm__transmission, norm__speed_cfd, norm__heading_cfd, norm__steer_cfd, norm__pedal,
        norm__traction, norm__aux_brakes, norm__boost, norm__speed_limit_type, norm__light,
        norm__event_source, norm__ptc_type, norm__ptc_source, norm__response_type, norm__siren,
        norm__lightbar;

/* An OPTIONAL scaled field: present iff *raw is non-NULL. */
void norm__opt_scaled_from(struct cvt *cv, const struct cvt_scale *s, const long *raw, bool *has,
                           double *v, const char *field);
long *norm__opt_scaled_to(struct cvt *cv, const struct cvt_scale *s, bool has, double v,
                          const char *field);
void norm__opt_enum_from(struct cvt *cv, const struct cvt_enum *e, const long *raw, bool *has,
                         uint8_t *v, const char *field);
long *norm__opt_enum_to(struct cvt *cv, const struct cvt_enum *e, bool has, uint8_t v,
                        const char *field);

void norm__pos3d_from(struct cvt *cv, const Position3D_t *a, struct v2x_pos3d *m);
void norm__pos3d_to(struct cvt *cv, const struct v2x_pos3d *m, Position3D_t *a);

/* ref: the position offsets are taken from (lat/lon may be NaN). */
void norm__llv_from(struct cvt *cv, const PositionOffsetLLV_t *a, const struct v2x_pos3d *ref,
                    struct v2x_llv *m);
void norm__llv_to(struct cvt *cv, const struct v2x_llv *m, const struct v2x_pos3d *ref,
                  PositionOffsetLLV_t *a);

void norm__pos_accuracy_from(struct cvt *cv, const PositionalAccuracy_t *a,
                             struct v2x_pos_accuracy *m);
PositionalAccuracy_t *norm__pos_accuracy_to(struct cvt *cv, const struct v2x_pos_accuracy *m);

void norm__pos_confidence_from(struct cvt *cv, const PositionConfidenceSet_t *a,
                               struct v2x_pos_confidence *m);
void norm__pos_confidence_to(struct cvt *cv, const struct v2x_pos_confidence *m,
                             PositionConfidenceSet_t *a);

void norm__motion_confidence_from(struct cvt *cv, const MotionConfidenceSet_t *a,
                                  struct v2x_motion_confidence *m);
MotionConfidenceSet_t *norm__motion_confidence_to(struct cvt *cv,
                                                  const struct v2x_motion_confidence *m);

void norm__accel_from(struct cvt *cv, const AccelerationSet4Way_t *a, struct v2x_accel4 *m);
void norm__accel_to(struct cvt *cv, const struct v2x_accel4 *m, AccelerationSet4Way_t *a);

void norm__brakes_from(struct cvt *cv, const BrakeSystemStatus_t *a, struct v2x_brakes *m);
void norm__brakes_to(struct cvt *cv, const struct v2x_brakes *m, BrakeSystemStatus_t *a);

void norm__vsize_from(struct cvt *cv, const VehicleSize_t *a, struct v2x_vsize *m);
void norm__vsize_to(struct cvt *cv, const struct v2x_vsize *m, VehicleSize_t *a);

void norm__vclass_from(struct cvt *cv, const VehicleClassification_t *a, struct v2x_vclass *m);
void norm__vclass_to(struct cvt *cv, const struct v2x_vclass *m, VehicleClassification_t *a);

void norm__full_pos_from(struct cvt *cv, const FullPositionVector_t *a, struct v2x_full_pos *m);
FullPositionVector_t *norm__full_pos_to(struct cvt *cv, const struct v2x_full_pos *m);

void norm__node_ref_from(struct cvt *cv, const NodeReferenceID_t *a, struct v2x_node_ref *m);
void norm__node_ref_to(struct cvt *cv, const struct v2x_node_ref *m, NodeReferenceID_t *a);

void norm__speed_limits_from(struct cvt *cv, const SpeedLimitList_t *a, struct v2x_speed_limits *m);
SpeedLimitList_t *norm__speed_limits_to(struct cvt *cv, const struct v2x_speed_limits *m);

void norm__points_from(struct cvt *cv, const PointList_t *a, const struct v2x_pos3d *ref,
                       struct v2x_points *m);
PointList_t *norm__points_to(struct cvt *cv, const struct v2x_points *m,
                             const struct v2x_pos3d *ref);

/* Per message type. */
void norm__bsm_from(struct cvt *cv, const BasicSafetyMessage_t *a, struct v2x_bsm *m);
void norm__bsm_to(struct cvt *cv, const struct v2x_bsm *m, BasicSafetyMessage_t *a);
void norm__map_from(struct cvt *cv, const MapData_t *a, struct v2x_map *m);
void norm__map_to(struct cvt *cv, const struct v2x_map *m, MapData_t *a);
void norm__spat_from(struct cvt *cv, const SPAT_t *a, struct v2x_spat *m);
void norm__spat_to(struct cvt *cv, const struct v2x_spat *m, SPAT_t *a);
void norm__rsi_from(struct cvt *cv, const RoadSideInformation_t *a, struct v2x_rsi *m);
void norm__rsi_to(struct cvt *cv, const struct v2x_rsi *m, RoadSideInformation_t *a);
void norm__rsm_from(struct cvt *cv, const RoadsideSafetyMessage_t *a, struct v2x_rsm *m);
void norm__rsm_to(struct cvt *cv, const struct v2x_rsm *m, RoadsideSafetyMessage_t *a);

#endif
