import i18next from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';

import { i18nNamespaces } from '@temporalio/ui/i18n/index';
import resources from '@temporalio/ui/i18n/locales/index';

// Everything renders in the browser: the build is static files and the data comes from /api/v1.
export const ssr = false;
export const prerender = false;

export const load = async (): Promise<void> => {
  await i18next.use(LanguageDetector).init({
    fallbackLng: 'en',
    load: 'languageOnly',
    ns: i18nNamespaces,
    defaultNS: 'common',
    detection: {
      order: ['querystring', 'localStorage', 'navigator'],
      caches: ['localStorage'],
      lookupQuerystring: 'lng',
      lookupLocalStorage: 'locale',
    },
    resources,
  });
};
