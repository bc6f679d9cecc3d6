/** The parts of `k6/execution` the scripts read: exec.vu.idInTest, exec.scenario.iterationInTest. */
import { runtime } from "./runtime";

export default {
  get vu() {
    return runtime().vu;
  },
  get scenario() {
    return runtime().scenario;
  },
};
