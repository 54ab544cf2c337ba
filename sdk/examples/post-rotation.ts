/**
 * Posting a teacher to another campus of the group (交流轮岗). createPosting needs a
 * GROUP_ADMIN (or a bureau) token, not a vendor key. It finds a teacher of the lead campus
 * and a member campus with hub.request and a document of its own, then creates and starts
 * the posting.
 *
 *   HUB_URL=... HUB_TOKEN=<GROUP_ADMIN token> [START_DATE=YYYY-MM-DD] node post-rotation.js
 */
import { createHubClient, HubError, TypedDocumentString } from '@edu-group-hub/sdk';

/** A document of the vendor's own, typed by hand (or by the vendor's own codegen). */
const GroupCampuses = `query GroupCampuses {
  viewer { group { id name leadCampus { id staff(first: 20, filter: { roles: [TEACHER] }) { edges { node { id name currentPosting { id } } } } } memberships(status: [ACTIVE]) { edges { node { role campus { id name } } } } } }
}` as string & TypedDocumentString<GroupCampusesResult, Record<string, never>>;

interface GroupCampusesResult {
  viewer: {
    group: {
      id: string;
      name: string;
      leadCampus: { id: string; staff: { edges: Array<{ node: { id: string; name: string; currentPosting: { id: string } | null } }> } };
      memberships: { edges: Array<{ node: { role: 'LEAD' | 'MEMBER'; campus: { id: string; name: string } } }> };
    } | null;
  };
}

export async function postRotation(): Promise<{ postingId: string; status: string; staff: string; to: string }> {
  const hub = createHubClient({ url: process.env.HUB_URL ?? 'http://localhost:4000/graphql', token: process.env.HUB_TOKEN });
  const { viewer } = await hub.request(GroupCampuses);
  const group = viewer.group;
  if (!group) throw new Error('call with a GROUP_ADMIN token');
  const teacher = group.leadCampus.staff.edges.map((e) => e.node).find((s) => !s.currentPosting);
  const member = group.memberships.edges.map((e) => e.node).find((m) => m.role === 'MEMBER');
  if (!teacher || !member) throw new Error(`${group.name}: no free teacher or no member campus`);
  // Today in China (UTC+8), the hub's calendar: a posting starts on or after its start date. START_DATE overrides it.
  const today = process.env.START_DATE ?? new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  try {
    // Not idempotent: the client never sends it twice on its own.
    const posting = await hub.createPosting({
      input: { staffId: teacher.id, toCampusId: member.campus.id, type: 'ROTATION', hostRole: 'TEACHER', startDate: today },
    });
    const started = await hub.startPosting({ id: posting.id });
    return { postingId: started.id, status: started.status, staff: teacher.name, to: member.campus.name };
  } catch (e) {
    if (e instanceof HubError && e.code === 'POLICY_VIOLATION') console.error(`refused by policy: ${e.message}`);
    throw e;
  }
}

if (process.argv[1] && /post-rotation\.[cm]?js$/.test(process.argv[1])) {
  postRotation().then((r) => console.log(JSON.stringify(r)), (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
