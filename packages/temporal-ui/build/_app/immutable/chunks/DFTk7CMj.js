import{q as t,w as e}from"./ClJrH5XF.js";function w(i,o){t(window,["resize"],()=>e(()=>o(window[i])))}export{w as b};
