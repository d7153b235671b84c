# session-include.sed: for a file that calls plan_build() (run with sed -z):
# plan_build and the step constructors are declared in setup_steps.h now.
s/#include "plan.h"\n/#include "plan.h"\n#include "setup_steps.h"\n/
