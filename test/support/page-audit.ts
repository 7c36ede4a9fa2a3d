import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

// axe-core's own bundle, evaluated in the page through the DevTools protocol: that is not
// subject to the page's CSP, so the audit needs no exception to the strict policy.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** What axe reports of one rule, reduced to what a failing test should print. */
export interface AccessibilityViolation {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

interface AxeResult {
  violations: {
    id: string;
    impact?: string | null;
    help: string;
    nodes: { target: unknown[] }[];
  }[];
}

/**
 * The serious and critical WCAG 2 A/AA violations axe-core finds on the page as it is now.
 * An empty list is the pass; the caller asserts on it so a failure names every rule and node.
 */
export async function seriousAccessibilityViolations(
  page: Page,
): Promise<AccessibilityViolation[]> {
  const installed = await page.evaluate('typeof window.axe === "object"');
  if (!installed) await page.evaluate(axeSource);
  const result = (await page.evaluate(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`,
  )) as AxeResult;
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? 'unknown',
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
    }));
}

/** Whether the page scrolls sideways at its current viewport (it must not at 390 px). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  return (await page.evaluate(
    'document.documentElement.scrollWidth > document.documentElement.clientWidth',
  )) as boolean;
}
