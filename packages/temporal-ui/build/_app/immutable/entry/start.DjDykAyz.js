import{c as s}from"../chunks/CoC4nJaV.js";import{y as t}from"../chunks/DnHLKcNi.js";export{t as load_css,s as start};
