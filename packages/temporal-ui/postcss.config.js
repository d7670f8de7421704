import autoprefixer from 'autoprefixer';
import tailwindcss from 'tailwindcss';
import nesting from 'tailwindcss/nesting/index.js';

export default { plugins: [nesting(), tailwindcss(), autoprefixer()] };
