/** `npm run bench`: every benchmark, one after the other, printing its figures. */
import { benchDevserver } from './devserver';
import { benchPosts } from './posts';

async function main(): Promise<void> {
  await benchDevserver();
  console.log('');
  await benchPosts();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
