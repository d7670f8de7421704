import{g as t}from"./DfbPtrkh.js";import{a as r}from"./CgzA_urD.js";const s=r("AuthUser",{}),o=()=>t(s),c=()=>{s.set({})};export{s as a,c,o as g};
