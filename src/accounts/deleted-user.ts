/** How a deleted person appears wherever their past actions are shown. */
export const DELETED_USER_NAME = 'a deleted user';
