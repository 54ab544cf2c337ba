import { ApiClientKeys1733500000000 } from './1733500000000-ApiClientKeys';
import { Foundation1732300000000 } from './1732300000000-Foundation';
import { FeedAudience1733200000000 } from './1733200000000-FeedAudience';
import { PersistedOnlyClients1733100000000 } from './1733100000000-PersistedOnlyClients';
import { PiiAccessLog1732400000000 } from './1732400000000-PiiAccessLog';
import { RateLimit1733000000000 } from './1733000000000-RateLimit';
import { PolicySettings1733700000000 } from './1733700000000-PolicySettings';
import { StaffPageKeys1733300000000 } from './1733300000000-StaffPageKeys';
import { SchoolYearFigures1733600000000 } from './1733600000000-SchoolYearFigures';
import { SchoolSupervision1733800000000 } from './1733800000000-SchoolSupervision';
import { TrustHardening1732500000000 } from './1732500000000-TrustHardening';
import { GradeRatification1733900000000 } from './1733900000000-GradeRatification';
import { SavedAnalyses1734000000000 } from './1734000000000-SavedAnalyses';
import { StaffHomeJurisdiction1734100000000 } from './1734100000000-StaffHomeJurisdiction';
import { MembershipJurisdictions1734200000000 } from './1734200000000-MembershipJurisdictions';

/** Every migration, oldest first. Add new ones at the end; never edit a shipped one. */
export const migrations = [Foundation1732300000000, PiiAccessLog1732400000000, TrustHardening1732500000000, RateLimit1733000000000, PersistedOnlyClients1733100000000, FeedAudience1733200000000, StaffPageKeys1733300000000, ApiClientKeys1733500000000, SchoolYearFigures1733600000000, PolicySettings1733700000000, SchoolSupervision1733800000000, GradeRatification1733900000000, SavedAnalyses1734000000000, StaffHomeJurisdiction1734100000000, MembershipJurisdictions1734200000000];
