import{t as a}from"./De7wvrz5.js";const o=(n,r={})=>{const[t,...e]=n.split(".");if(t&&e.length>0){const s=e.join(".");return a(`${t}:${s}`,r)}},c=()=>o,l=c();export{l as t};
