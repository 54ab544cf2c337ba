import { ApiClientKeys1733500000000 } from './1733500000000-ApiClientKeys';
import { Foundation1732300000000 } from './1732300000000-Foundation';
import { FeedAudience1733200000000 } from './1733200000000-FeedAudience';
import { PersistedOnlyClients1733100000000 } from './1733100000000-PersistedOnlyClients';
import { PiiAccessLog1732400000000 } from './1732400000000-PiiAccessLog';
import { RateLimit1733000000000 } from './1733000000000-RateLimit';
import { StaffPageKeys1733300000000 } from './1733300000000-StaffPageKeys';
import { TrustHardening1732500000000 } from './1732500000000-TrustHardening';

/** Every migration, oldest first. Add new ones at the end; never edit a shipped one. */
export const migrations = [Foundation1732300000000, PiiAccessLog1732400000000, TrustHardening1732500000000, RateLimit1733000000000, PersistedOnlyClients1733100000000, FeedAudience1733200000000, StaffPageKeys1733300000000, ApiClientKeys1733500000000];
