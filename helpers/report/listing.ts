/**
 * `playwright test --list`: Playwright only lists the tests. Nothing runs and there is no
 * verdict; the console reporter is then the only reporter (playwright.config.ts), so that the
 * last run's reports stay. No imports: the configuration, loaded by every worker, reads it.
 */
export const listingOnly = (argv: readonly string[] = process.argv): boolean => argv.includes('--list');
