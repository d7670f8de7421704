import{p as a}from"./DnHLKcNi.js";import"./OA8UcISh.js";const t={get data(){return a.data},get params(){return a.params}},e=t;export{e as p};
