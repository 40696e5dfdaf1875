/*
 * oracle_downgrade: the steep-downgrade rule, in the oracle's terms.
 *
 * The application (broker/apps/steep_downgrade/steep_downgrade.h) merges
 * the grade sections of -min_grade or steeper that follow one another
 * along the path (gaps up to merge_gap_m) into descents; one of
 * min_length_m or more has a safe speed
 *
 *   v_safe = min(a_eff (-t_r + sqrt(t_r^2 + 2 D / a_eff)),
 *                the posted limit at its start,
 *                heavy_cap_mps for a heavy vehicle when it drops
 *                heavy_cap_drop_m or more)
 *   a_eff  = max(a_brake - g |G|, min_decel),  a_brake 2.5 (1.5 heavy)
 *
 * and a vehicle above v_safe + tolerance within max(approach_min_m, v
 * approach_s) before it, or on it, is warned; the warning holds while
 * v > v_safe.  The oracle finds the descents along each actor's route
 * from the map's grade sections, and evaluates the same on the true
 * speed and position.  A MUST needs the speed clearly above the
 * threshold (by the speed margin and 0.2 m/s) for ORACLE_STRICT_DUR_S;
 * its window ends at the descent's start, or promptly after the condition
 * became clear for a vehicle that is already on it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracle/oracle_int.h"

/* broker/apps/steep_downgrade/steep_downgrade.h,
 * BRK_STEEP_DOWNGRADE_DEFAULT_*. */
#define SD_MIN_GRADE        0.05
#define SD_MIN_LENGTH_M     500.0
#define SD_MERGE_GAP_M      20.0
#define SD_SIGHT_M          60.0
#define SD_REACTION_S       1.5
#define SD_BRAKE_MPS2       2.5
#define SD_BRAKE_HEAVY_MPS2 1.5
#define SD_MIN_DECEL_MPS2   0.3
#define SD_HEAVY_CAP_MPS    (30.0 / 3.6)
#define SD_HEAVY_CAP_DROP_M 60.0
#define SD_APPROACH_MIN_M   150.0
#define SD_APPROACH_S       12.0
#define SD_TOLERANCE_MPS    1.0
/* broker/apps/ahead.h BRK_AHEAD_DISTANCE_M. */
#define SD_AHEAD_M 400.0
/* The oracle's own: a MUST needs this much over the threshold beyond the
 * speed margin; a descent this near a limit (length, drop) is only
 * tolerated. */
#define SD_MUST_OVER_MPS 0.2
#define SD_DOUBT_M       10.0
#define SD_DOUBT_DROP_M  3.0

struct descent {
	size_t actor;
	double rs_start, rs_end;
	double grade;   /* mean |G| */
	double drop;    /* sum of |G_i| L_i, m */
	double sum_len; /* sum of L_i, m */
	double v_safe;
	bool several_lanes;
	bool doubtful;
	double t_start, t_end;
};

/* Heavy: BasicVehicleClass 25..35 (trucks) and 50..58 (buses). */
static bool heavy(uint8_t vclass)
{
	return (vclass >= 25 && vclass <= 35) || (vclass >= 50 && vclass <= 58);
}

static void safe_speed(const struct oracle_ctx *c, struct descent *d, uint32_t lane, double s)
{
	bool hv = heavy(c->sc->actors[d->actor].vclass);
	double a = fmax((hv ? SD_BRAKE_HEAVY_MPS2 : SD_BRAKE_MPS2) - ORACLE_G * d->grade,
	                SD_MIN_DECEL_MPS2);
	double tr = SD_REACTION_S;
	double v = a * (-tr + sqrt(tr * tr + 2.0 * SD_SIGHT_M / a));
	struct map_sample q;
	sim_oracle__sample(map_model_lane(c->m, lane), s, &q);
	v = fmin(v, q.speed_limit_mps);
	if (hv && d->drop >= SD_HEAVY_CAP_DROP_M)
		v = fmin(v, SD_HEAVY_CAP_MPS);
	d->v_safe = v;
	d->doubtful =
	        d->doubtful || (hv && fabs(d->drop - SD_HEAVY_CAP_DROP_M) <= SD_DOUBT_DROP_M &&
	                        q.speed_limit_mps > SD_HEAVY_CAP_MPS);
}

static double approach(double v)
{
	return fmin(SD_AHEAD_M, fmax(SD_APPROACH_MIN_M, v * SD_APPROACH_S));
}

static void eval_rows(const struct oracle_ctx *c, const struct descent *d)
{
	const struct oracle_noise *nz = &c->noise[d->actor];
	double mp = nz->pos_m, mv = nz->speed_mps, vs = d->v_safe;
	bool latched = false;
	for (size_t e = 0; e < c->n_eval; e++) {
		const struct sim_truth *p = sim_oracle__at(c, d->actor, e);
		c->loose[e] = c->strict[e] = false;
		if (!p->present) {
			latched = false;
			continue;
		}
		double rs = p->route_s, v = p->speed_mps, ds = d->rs_start - rs;
		bool zone = (ds > 0.0 && ds <= approach(v + mv) + mp) ||
		            (rs >= d->rs_start - mp && rs <= d->rs_end + mp);
		latched = zone && (v > vs + SD_TOLERANCE_MPS - mv || (latched && v > vs - mv));
		c->loose[e] = latched;
		bool zone_s = (ds > mp && ds <= approach(fmax(0.0, v - mv)) - mp) ||
		              (rs >= d->rs_start + mp && rs <= d->rs_end - mp);
		c->strict[e] = zone_s && v >= vs + SD_TOLERANCE_MPS + mv + SD_MUST_OVER_MPS &&
		               sim_oracle__seen(c, d->actor, e);
	}
}

static void deadline(const struct oracle_ctx *c, const struct oracle_sit *s, double t0, double ta,
                     double t1, struct oracle_deadline *dl)
{
	const struct descent *d = s->arg;
	const struct sim_truth *p = sim_world_at(c->w, d->actor, sim_world_step(c->w, t0));
	(void)t1;
	dl->critical_t_s = d->t_start;
	dl->advisory_mps = d->v_safe;
	if (!isnan(ta)) {
		/* Before the descent: by its start; on it: promptly. */
		double prompt = ta + ORACLE_STRICT_DUR_S + ORACLE_PIPELINE_S + 0.5;
		dl->to_t_s = isnan(d->t_start) ? prompt : fmax(d->t_start, prompt);
	}
	sim_oracle__say(dl->note, sizeof(dl->note),
	                "%.1f m/s at %.2f s, safe %.2f m/s, descent %.2f s", p->speed_mps, t0,
	                d->v_safe, d->t_start);
}

static int judge(struct oracle_ctx *c, struct descent *d, uint32_t lane, double s)
{
	struct oracle_sit sit;
	double len = d->rs_end - d->rs_start;
	if (len < SD_MIN_LENGTH_M - SD_DOUBT_M)
		return 0;
	d->grade = d->drop / fmax(1.0, d->sum_len);
	d->doubtful = len < SD_MIN_LENGTH_M + SD_DOUBT_M;
	safe_speed(c, d, lane, s);
	d->t_start = sim_oracle__time_at(c, d->actor, d->rs_start);
	d->t_end = sim_oracle__time_at(c, d->actor, d->rs_end);
	eval_rows(c, d);
	sim_oracle__sit_init(&sit, SIM_W_STEEP_DOWNGRADE, d->actor);
	sit.may_must = !d->doubtful && !d->several_lanes;
	sit.deadline = deadline;
	sit.arg = d;
	sim_oracle__say(sit.what, sizeof(sit.what),
	                "%s towards a descent of %.1f %% over %.0f m (lane %u)",
	                c->sc->actors[d->actor].name, 100.0 * d->grade, len, (unsigned)lane);
	return sim_oracle__episodes(c, &sit);
}

/* The descents of actor a's route, each judged as it closes. */
static int descents(struct oracle_ctx *c, size_t a)
{
	const struct sim_actor *ac = &c->sc->actors[a];
	struct descent d = { .actor = a, .rs_start = NAN };
	uint32_t lane0 = 0;
	double s0 = 0.0;
	for (size_t i = 0; i < ac->n_route; i++) {
		double base = sim_oracle__route_s0(c, a, i);
		for (size_t k = 0; k < c->m->n_grade_sections; k++) {
			const struct map_grade_section *gs = &c->m->grade_sections[k];
			if (gs->lane_id != ac->route[i] || gs->grade > -SD_MIN_GRADE)
				continue;
			double a0 = base + gs->s0, a1 = base + gs->s1, l = gs->s1 - gs->s0;
			if (!isnan(d.rs_start) && a0 - d.rs_end > SD_MERGE_GAP_M) {
				int rc = judge(c, &d, lane0, s0);
				if (rc)
					return rc;
				d = (struct descent){ .actor = a, .rs_start = NAN };
			}
			if (isnan(d.rs_start)) {
				d.rs_start = a0;
				lane0 = gs->lane_id;
				s0 = gs->s0;
			}
			d.several_lanes = d.several_lanes || gs->lane_id != lane0;
			d.rs_end = a1;
			d.drop += -gs->grade * l;
			d.sum_len += l;
		}
	}
	return isnan(d.rs_start) ? 0 : judge(c, &d, lane0, s0);
}

int sim_oracle__downgrade(struct oracle_ctx *c)
{
	int rc = 0;
	for (size_t a = 0; rc == 0 && a < c->sc->n_actors; a++)
		rc = descents(c, a);
	return rc;
}
