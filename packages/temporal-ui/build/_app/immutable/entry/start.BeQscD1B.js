import{c as s}from"../chunks/BIhLbXEy.js";import{y as t}from"../chunks/BLsh5JLv.js";export{t as load_css,s as start};
