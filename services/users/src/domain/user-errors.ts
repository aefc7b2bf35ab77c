// The users service's own failures, each with a code from the registry and a
// message that says what to do next. EMAIL_TAKEN is the store's: the repository
// throws it (data-access/user.repository.ts).
import { AppError, NotFoundError } from '@polyglot/platform/errors';

export class UserNotFoundError extends NotFoundError {
  constructor(id: number) {
    super('USER_NOT_FOUND', `no user has id ${id}`, { id });
  }
}

export class InvalidCredentialsError extends AppError {
  constructor() {
    // One message whether the email is unknown or the password wrong: it must not reveal which.
    super('INVALID_CREDENTIALS', 'email or password is wrong; check both and try again');
  }
}
