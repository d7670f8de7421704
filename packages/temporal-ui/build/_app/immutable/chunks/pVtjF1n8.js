import{ap as a}from"./ClJrH5XF.js";a();
