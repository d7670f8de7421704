import{af as r,ae as t}from"./ClJrH5XF.js";import{r as o}from"./DfbPtrkh.js";const e="CoreUser",s=o({namespaceWriteDisabled:()=>!1}),c=()=>r(e)?t(e):s;export{c};
