import{y as p,W as t}from"./ClJrH5XF.js";import{B as c}from"./Cxef74sz.js";function f(r,s,...a){var e=new c(r);p(()=>{const n=s()??null;e.ensure(n,n&&(o=>n(o,...a)))},t)}export{f as s};
