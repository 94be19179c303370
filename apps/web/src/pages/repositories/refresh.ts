/** Health changes after every backup; a set-up ends within seconds. Pages follow at this pace. */
const HEALTH_REFRESH_MS = 5000;
const SETTING_UP_REFRESH_MS = 2000;

export function repositoriesRefresh(repositories: readonly { status: string }[] | undefined) {
  return repositories?.some((repository) => repository.status !== "ready")
    ? SETTING_UP_REFRESH_MS
    : HEALTH_REFRESH_MS;
}
