/** The folder of the dashboard's pages (plain HTML, CSS and JS, no build step), shipped with the package. */
export const DASHBOARD_ASSETS = new URL("../../dashboard-assets/", import.meta.url);
