/** Global test setup: builds nothing (the test command builds first); reserved for shared services. */
export default async function setup(): Promise<void> {}
