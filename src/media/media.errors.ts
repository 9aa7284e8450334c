import { defineErrors } from '../shared/errors.js';

export const mediaErrors = defineErrors({
  media_not_found: { status: 404, message: 'This message has no stored file' },
  media_link_invalid: { status: 401, message: 'This media link is not valid or has expired; ask for the message again for a new one' },
  range_not_satisfiable: { status: 416, message: 'The requested range is outside the file' },
});
