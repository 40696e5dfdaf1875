/*
 * stack: the real system a scenario runs against, started and stopped by
 * v2x-sim: the map in PostGIS (a private cluster by default), the
 * v2x-broker, one v2x-agent per RSU of the run, each a child process with
 * its log in the run's folder.
 */
#ifndef V2X_SIM_MAIN_STACK_H
#define V2X_SIM_MAIN_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/model.h"
#include "runtime/arena.h"

/* An argument vector built from formatted strings, for posix_spawn. */
#define SIM_ARGV_MAX 24
struct sim_argv {
	char *v[SIM_ARGV_MAX + 1]; /* NULL-terminated */
	size_t n;
	char buf[8192];
	size_t used;
};

/* Appends a formatted argument to a (silently dropped when full). */
void sim_argv_add(struct sim_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct sim_stack_config {
	const char *bin_dir;  /* holds broker/main/v2x-broker and rsu-agent/agent/v2x-agent */
	const char *db;       /* libpq conninfo; NULL or "": a private cluster */
	const char *work_dir; /* logs, spools, credentials (must exist) */
	const char *log_level;
	size_t n_agents;
	const char *const *agent_ids; /* borrowed for sim_stack_start */
};

struct sim_stack;

/*
 * Starts the database (or connects to cfg->db), stores the map m (or,
 * when map_version > 0, reads that version into *loaded from arena), then
 * starts the broker and the agents and waits until each answers its
 * /healthz.  say(arg, text) reports each step for people.  Returns 0 and
 * *out (stop and free with sim_stack_stop), or an error with what failed
 * and which log to read in err; on failure nothing is left running.
 */
int sim_stack_start(const struct sim_stack_config *cfg, const struct map_model *m,
                    int64_t map_version, struct v2x_arena *arena, struct map_model *loaded,
                    void (*say)(void *arg, const char *text), void *arg, struct sim_stack **out,
                    char *err, size_t errlen);

/* The broker's subscriber port "127.0.0.1:PORT"; owned by s. */
const char *sim_stack_sub_addr(const struct sim_stack *s);

/* The subscriber account and token the stack made. */
const char *sim_stack_sub_id(const struct sim_stack *s);
const char *sim_stack_sub_token(const struct sim_stack *s);

/* The broker's Prometheus port on 127.0.0.1. */
uint16_t sim_stack_metrics_port(const struct sim_stack *s);

/* Agent i's UDP port on 127.0.0.1 (the order of cfg->agent_ids). */
uint16_t sim_stack_agent_port(const struct sim_stack *s, size_t i);

/* Whether every child still runs; when not, which one stopped in err. */
bool sim_stack_alive(struct sim_stack *s, char *err, size_t errlen);

/* Stops the agents, the broker and the database (a private cluster is
 * removed), then frees s.  Accepts NULL. */
void sim_stack_stop(struct sim_stack *s);

#endif
