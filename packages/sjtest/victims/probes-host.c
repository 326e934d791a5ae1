/* Hostname promises. sethostname is only called for real when the victim has proved it is not in the
 * runner's UTS namespace; otherwise an over-long name (EINVAL when the call is reached, EPERM when
 * denied) tells the two apart without renaming the host. */
#include "victim.h"
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void uname_node(const struct sj_ctx *c, const char *a) {
  struct utsname u;
  (void)c; (void)a;
  if (sj_sys(SYS_uname, (long)&u, 0, 0, 0, 0) < 0) { sj_err(errno, "uname"); return; }
  sj_value(u.nodename, "");
}

static void host_name(const struct sj_ctx *c, const char *a) {
  char name[256] = {0};
  (void)c; (void)a;
  if (gethostname(name, sizeof name - 1) < 0) { sj_err(errno, "gethostname"); return; }
  sj_value(name, "");
}

static const char long_name[] = "sjtest-this-name-is-longer-than-the-sixty-four-bytes-a-kernel-allows";

static void set_host_name(const struct sj_ctx *c, const char *a) {
  char old[128] = {0}, now[128] = {0};
  (void)a;
  int same = sj_same_ns("uts", c->utsns);
  if (same != 0) {
    long r = sj_sys(SYS_sethostname, (long)long_name, (long)sizeof long_name, 0, 0, 0);
    if (r < 0 && errno == EINVAL)
      sj_value(same == 1 ? "host-changeable" : "reached", "sethostname(over-long) reached the kernel");
    else sj_result(r, same == 1 ? "host UTS namespace" : "namespace unproven");
    return;
  }
  gethostname(old, sizeof old - 1);
  long r = sj_sys(SYS_sethostname, (long)"sjtest-renamed", 14, 0, 0, 0);
  if (r < 0) { sj_err(errno, "sethostname in the jail"); return; }
  gethostname(now, sizeof now - 1);
  sethostname(old, strlen(old));
  sj_value(strcmp(now, "sjtest-renamed") == 0 ? "jail-only" : "ignored", "own UTS namespace renamed");
}

static void set_domain_name(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  sj_result(sj_sys(SYS_setdomainname, (long)long_name, (long)sizeof long_name, 0, 0, 0),
            "setdomainname(over-long name)");
}

const struct sj_probe sj_probes_host[] = {{"uname", uname_node},
                                          {"gethostname", host_name},
                                          {"sethostname", set_host_name},
                                          {"setdomainname", set_domain_name},
                                          SJ_PROBE_END};
