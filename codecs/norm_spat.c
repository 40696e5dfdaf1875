/* SPAT <-> struct v2x_spat. */
#include "codecs/norm.h"

#include "runtime/err.h"

/*
 * TimeCountingDown and UTCTiming have the same shape (seven TimeMark or
 * Confidence fields, the same ones OPTIONAL), so one pair of functions
 * converts both through these views of their fields.
 */
struct timing_view {
	long *start;
	long **min_end;
	long **max_end;
	long *likely_end;
	long **confidence;
	long **next_start;
	long **next;
};

static void counting_view(TimeCountingDown_t *t, struct timing_view *v)
{
	*v = (struct timing_view){ &t->startTime,     &t->minEndTime,     &t->maxEndTime,
		                   &t->likelyEndTime, &t->timeConfidence, &t->nextStartTime,
		                   &t->nextDuration };
}

static void utc_view(UTCTiming_t *t, struct timing_view *v)
{
	*v = (struct timing_view){ &t->startUTCTime,     &t->minEndUTCTime,  &t->maxEndUTCTime,
		                   &t->likelyEndUTCTime, &t->timeConfidence, &t->nextStartUTCTime,
		                   &t->nextEndUTCTime };
}

static void timing_from(struct cvt *cv, const struct timing_view *a, struct v2x_timing *m)
{
	m->start_s = cvt__scaled_from(cv, &norm__time_mark, *a->start, "start_s");
	norm__opt_scaled_from(cv, &norm__time_mark, *a->min_end, &m->has_min_end, &m->min_end_s,
	                      "min_end_s");
	norm__opt_scaled_from(cv, &norm__time_mark, *a->max_end, &m->has_max_end, &m->max_end_s,
	                      "max_end_s");
	m->likely_end_s = cvt__scaled_from(cv, &norm__time_mark, *a->likely_end, "likely_end_s");
	norm__opt_scaled_from(cv, &norm__confidence, *a->confidence, &m->has_confidence,
	                      &m->confidence_pct, "confidence_pct");
	norm__opt_scaled_from(cv, &norm__time_mark, *a->next_start, &m->has_next_start,
	                      &m->next_start_s, "next_start_s");
	norm__opt_scaled_from(cv, &norm__time_mark, *a->next, &m->has_next, &m->next_s, "next_s");
}

static void timing_to(struct cvt *cv, const struct v2x_timing *m, const struct timing_view *a)
{
	*a->start = cvt__scaled_to(cv, &norm__time_mark, m->start_s, "start_s");
	*a->min_end = norm__opt_scaled_to(cv, &norm__time_mark, m->has_min_end, m->min_end_s,
	                                  "min_end_s");
	*a->max_end = norm__opt_scaled_to(cv, &norm__time_mark, m->has_max_end, m->max_end_s,
	                                  "max_end_s");
	*a->likely_end = cvt__scaled_to(cv, &norm__time_mark, m->likely_end_s, "likely_end_s");
	*a->confidence = norm__opt_scaled_to(cv, &norm__confidence, m->has_confidence,
	                                     m->confidence_pct, "confidence_pct");
	*a->next_start = norm__opt_scaled_to(cv, &norm__time_mark, m->has_next_start,
	                                     m->next_start_s, "next_start_s");
	*a->next = norm__opt_scaled_to(cv, &norm__time_mark, m->has_next, m->next_s, "next_s");
}

/* Takes a non-const TimeChangeDetails because the views are writable; it
 * only reads. */
static void change_from(struct cvt *cv, TimeChangeDetails_t *t, struct v2x_timing *m)
{
	struct timing_view v;

	switch (t->present) {
	case TimeChangeDetails_PR_counting:
		m->kind = V2X_TIMING_COUNTING;
		counting_view(&t->choice.counting, &v);
		break;
	case TimeChangeDetails_PR_utcTiming:
		m->kind = V2X_TIMING_UTC;
		utc_view(&t->choice.utcTiming, &v);
		break;
	default:
		/* An alternative of a newer schema, skipped by the decoder. */
		m->kind = V2X_ENUM_UNRECOGNISED;
		cv->flags |= V2X_MSG_F_UNRECOGNISED_VALUE;
		return;
	}
	timing_from(cv, &v, m);
}

static TimeChangeDetails_t *change_to(struct cvt *cv, const struct v2x_timing *m)
{
	TimeChangeDetails_t *a = CVT_NEW(cv, TimeChangeDetails_t);
	struct timing_view v;

	if (!a)
		return NULL;
	if (m->kind == V2X_TIMING_COUNTING) {
		a->present = TimeChangeDetails_PR_counting;
		counting_view(&a->choice.counting, &v);
	} else if (m->kind == V2X_TIMING_UTC) {
		a->present = TimeChangeDetails_PR_utcTiming;
		utc_view(&a->choice.utcTiming, &v);
	} else {
		cvt__fail(cv, V2X_ERANGE, "kind", "%u is not a Day-1 timing", m->kind);
		return NULL;
	}
	timing_to(cv, m, &v);
	return a;
}

static void phase_from(struct cvt *cv, const Phase_t *a, struct v2x_phase *m)
{
	const PhaseStateList_t *l = &a->phaseStates;

	m->id = (uint8_t)cvt__int_from(cv, a->id, 0, 255, "id");
	m->n_states = 0;
	m->states = cvt__list_from(cv, l->list.count, 1, V2X_PHASE_STATES_MAX, sizeof(*m->states),
	                           "states");
	if (!m->states)
		return;
	m->n_states = (size_t)l->list.count;
	for (size_t i = 0; i < m->n_states; i++) {
		const PhaseState_t *e = CVT_ELEM(l->list, i);
		struct v2x_phase_state *s = &m->states[i];
		cvt__push_index(cv, "states", i);
		s->light = cvt__enum_from(cv, &norm__light, e->light, "light");
		s->has_timing = e->timing != NULL;
		if (e->timing)
			change_from(cv, e->timing, &s->timing);
		cvt__pop(cv);
	}
}

static void phase_to(struct cvt *cv, const struct v2x_phase *m, Phase_t *a)
{
	PhaseState_t *e;

	a->id = m->id;
	e = cvt__list_to(cv, &a->phaseStates.list, m->n_states, 1, V2X_PHASE_STATES_MAX, sizeof(*e),
	                 "states");
	for (size_t i = 0; e && i < m->n_states; i++) {
		cvt__push_index(cv, "states", i);
		e[i].light = cvt__enum_to(cv, &norm__light, m->states[i].light, "light");
		if (m->states[i].has_timing)
			e[i].timing = change_to(cv, &m->states[i].timing);
		cvt__pop(cv);
	}
}

static void intersection_from(struct cvt *cv, const IntersectionState_t *a,
                              struct v2x_intersection_state *m)
{
	const PhaseList_t *l = &a->phases;

	norm__node_ref_from(cv, &a->intersectionId, &m->id);
	m->status = (uint16_t)cvt__bits_from(cv, &a->status, 16, 16, NULL, "status");
	norm__opt_scaled_from(cv, &norm__moy, a->moy, &m->has_moy, &m->moy_s, "moy_s");
	norm__opt_scaled_from(cv, &norm__dsecond, a->timeStamp, &m->has_timestamp, &m->timestamp_s,
	                      "timestamp_s");
	norm__opt_enum_from(cv, &norm__time_confidence, a->timeConfidence, &m->has_time_confidence,
	                    &m->time_confidence, "time_confidence");
	m->n_phases = 0;
	m->phases =
	        cvt__list_from(cv, l->list.count, 1, V2X_PHASES_MAX, sizeof(*m->phases), "phases");
	if (!m->phases)
		return;
	m->n_phases = (size_t)l->list.count;
	for (size_t i = 0; i < m->n_phases; i++) {
		cvt__push_index(cv, "phases", i);
		phase_from(cv, CVT_ELEM(l->list, i), &m->phases[i]);
		cvt__pop(cv);
	}
}

static void intersection_to(struct cvt *cv, const struct v2x_intersection_state *m,
                            IntersectionState_t *a)
{
	Phase_t *e;

	norm__node_ref_to(cv, &m->id, &a->intersectionId);
	cvt__bits_to(cv, m->status, 16, &a->status);
	a->moy = norm__opt_scaled_to(cv, &norm__moy, m->has_moy, m->moy_s, "moy_s");
	a->timeStamp = norm__opt_scaled_to(cv, &norm__dsecond, m->has_timestamp, m->timestamp_s,
	                                   "timestamp_s");
	a->timeConfidence = norm__opt_enum_to(cv, &norm__time_confidence, m->has_time_confidence,
	                                      m->time_confidence, "time_confidence");
	e = cvt__list_to(cv, &a->phases.list, m->n_phases, 1, V2X_PHASES_MAX, sizeof(*e), "phases");
	for (size_t i = 0; e && i < m->n_phases; i++) {
		cvt__push_index(cv, "phases", i);
		phase_to(cv, &m->phases[i], &e[i]);
		cvt__pop(cv);
	}
}

void norm__spat_from(struct cvt *cv, const SPAT_t *a, struct v2x_spat *m)
{
	const IntersectionStateList_t *l = &a->intersections;

	cvt__push(cv, "spat");
	m->msg_cnt = (uint8_t)cvt__int_from(cv, a->msgCnt, 0, 127, "msg_cnt");
	norm__opt_scaled_from(cv, &norm__moy, a->moy, &m->has_moy, &m->moy_s, "moy_s");
	norm__opt_scaled_from(cv, &norm__dsecond, a->timeStamp, &m->has_timestamp, &m->timestamp_s,
	                      "timestamp_s");
	cvt__name_from(cv, a->name, &m->name, "name");
	m->n_intersections = 0;
	m->intersections = cvt__list_from(cv, l->list.count, 1, V2X_INTERSECTIONS_MAX,
	                                  sizeof(*m->intersections), "intersections");
	if (m->intersections) {
		m->n_intersections = (size_t)l->list.count;
		for (size_t i = 0; i < m->n_intersections; i++) {
			cvt__push_index(cv, "intersections", i);
			intersection_from(cv, CVT_ELEM(l->list, i), &m->intersections[i]);
			cvt__pop(cv);
		}
	}
	cvt__pop(cv);
}

void norm__spat_to(struct cvt *cv, const struct v2x_spat *m, SPAT_t *a)
{
	IntersectionState_t *e;

	cvt__push(cv, "spat");
	a->msgCnt = cvt__int_to(cv, m->msg_cnt, 0, 127, "msg_cnt");
	a->moy = norm__opt_scaled_to(cv, &norm__moy, m->has_moy, m->moy_s, "moy_s");
	a->timeStamp = norm__opt_scaled_to(cv, &norm__dsecond, m->has_timestamp, m->timestamp_s,
	                                   "timestamp_s");
	a->name = cvt__name_to(cv, &m->name, "name");
	e = cvt__list_to(cv, &a->intersections.list, m->n_intersections, 1, V2X_INTERSECTIONS_MAX,
	                 sizeof(*e), "intersections");
	for (size_t i = 0; e && i < m->n_intersections; i++) {
		cvt__push_index(cv, "intersections", i);
		intersection_to(cv, &m->intersections[i], &e[i]);
		cvt__pop(cv);
	}
	cvt__pop(cv);
}
