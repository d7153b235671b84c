# session-rename.sed: the mechanical renames of issue 16 item 1 (the
# session layer taken out of plan_ctx).  Safe to run over any C file:
#     sed -i -E -f build-aux/session-rename.sed src/*.c src/*.h ui/*.c ui/*.h tests/unit/*.c
# Only whole identifiers are renamed (\b on both sides), most specific first.
# Signatures keep their shape: only the type of the first parameter changes
# (plan_ctx *ctx -> session *ctx), field names (ctx->cl, ctx->opts.X,
# ctx->replication_password) are unchanged.
# Not mechanical, done by hand in branch "session":
#  - ctx->restart_reasons / ctx->reload_needed became each step's own result
#    (s->result, read by the activate step through plan_results_before());
#    only step_params.c, step_hba.c and step_activate.c used them.
#  - plan.h no longer declares the set-up's list nor the step constructors:
#      plan_build()                 setup_steps.h
#      step_standby_new(), step_standby_check_space()   step_standby.h
#      step_hba_new(), step_params_new(), step_activate_new(), step_role_new()
#                                   step_hba.h, step_params.h, step_activate.h,
#                                   step_role.h
#      plan_journal_*()             journal.h (plan.h includes it)
#    so a file of another branch that calls one of them without including
#    plan.h's successor needs that #include line (in branch "session":
#    action_resync.c and step_standby.c  #include "step_standby.h",
#    action_switchover.c  #include "journal.h", cmd_plan.c, ui/wizard/wiz_int.h
#    #include "setup_steps.h").  For a file that calls plan_build():
#        sed -i -z -f build-aux/session-include.sed FILE
#  - action.h, service.h, standby_files.h and step_ssl.h include session.h
#    instead of plan.h.
#  - service.c: find_plan_node() is gone (service_wait_ready uses
#    session_find_node() and session_set_conn()).
s/\bplan_ctx_new\b/session_new/g
s/\bplan_ctx_free\b/session_free/g
s/\baction_plan_ctx\b/action_session/g
s/\bplan_ctx\b/session/g
s/\bplan_options\b/session_options/g
s/\bfind_plan_node\b/find_session_node/g
s/\bplan_node\b/session_node/g
s/\bplan_opener\b/session_opener/g
s/\bplan_set_conn\b/session_set_conn/g
s/\bplan_conn\b/session_conn/g
s/\bplan_disconnect\b/session_disconnect/g
s/\bplan_reload\b/session_reload/g
s/\bplan_open_all_transports\b/session_open_all_transports/g
s/\bplan_transport\b/session_transport/g
s/\bplan_facts\b/session_facts/g
s/\bplan_log_fn\b/session_log_fn/g
s/\bplan_log\b/session_log/g
s/\bplan_confirm_fn\b/session_confirm_fn/g
s/\bplan_confirm\b/session_confirm/g
s/\bplan_progress_fn\b/session_progress_fn/g
