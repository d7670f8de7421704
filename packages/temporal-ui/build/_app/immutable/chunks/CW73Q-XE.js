import"./DsnmJJEf.js";import{c as e,f as i,e as m}from"./ClJrH5XF.js";import{s as n}from"./BsfRjnyL.js";function c(a,o){var r=e(),t=i(r);n(t,()=>o.children),m(a,r)}export{c as L};
