/* GOV.UK Frontend's components (served from the package): the service navigation's menu button at narrow
   widths, the error summary taking the focus, notification banners. The board works without it. */
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
