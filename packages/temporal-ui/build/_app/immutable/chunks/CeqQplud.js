import{p as a}from"./BLsh5JLv.js";import"./OA8UcISh.js";const t={get data(){return a.data},get params(){return a.params}},e=t;export{e as p};
