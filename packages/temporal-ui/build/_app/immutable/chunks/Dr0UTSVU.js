import{H as o,R as e}from"./OA8UcISh.js";function i(r,t){throw new o(r,t)}function a(r,t){throw new e(r,t.toString())}export{i as e,a as r};
