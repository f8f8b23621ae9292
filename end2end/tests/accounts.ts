/** The e2e admin account, created by first-run.setup.ts on a fresh server. */
export const ADMIN = { username: "admin", password: "e2e-admin-password" };
/** Where the admin's signed-in browser state is kept between the setup and the tests. */
export const ADMIN_STATE = ".auth/admin.json";
