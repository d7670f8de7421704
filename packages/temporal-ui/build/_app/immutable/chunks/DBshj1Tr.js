import{w as a}from"./DfbPtrkh.js";import{a as s}from"./CgzA_urD.js";const r=s("lastNamespace","default",!0),o=a([]);export{r as l,o as n};
