import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys apart from API clients: a client may hold several keys at once (rotation: issue a
 * second key, move the integration over, revoke the first), each with its own expiry,
 * revocation and last use. Authentication reads api_client_key only (access/authenticate.ts).
 *
 * Every existing api_client.key_hash becomes that client's first key, with the client's
 * creation time, creator and last use, so every key that worked before keeps working (the
 * client's own expiry and revocation still apply to all its keys).
 *
 * api_client.key_hash stays, as the hash of the key a client was created with: code and
 * fixtures that register a client by inserting a row with a key_hash (the demo vendor key of
 * `npm start`, benchmarks, tests) get that key registered in api_client_key by a trigger, in
 * the same statement. It is fixed once written: a new key is issued as a row of api_client_key.
 *
 * Ids are UUID v7 (time-ordered, like every id of the hub) made in SQL, since PostgreSQL before
 * 18 has no uuidv7(): the first 48 bits are the Unix time in milliseconds, then version 7.
 */
export class ApiClientKeys1733500000000 implements MigrationInterface {
  name = 'ApiClientKeys1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE FUNCTION hub_uuid_v7(at timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;

CREATE TABLE api_client_key (
  id uuid PRIMARY KEY,
  api_client_id uuid NOT NULL REFERENCES api_client(id) ON DELETE CASCADE,
  -- SHA-256 (hex) of the key; the key itself is shown once and never stored.
  key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  -- The key's last four characters, to tell keys apart in lists; null for keys registered by hash only.
  last_four text CHECK (char_length(last_four) = 4),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  -- Null: the key works until revoked (or until its client expires).
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Kept to the minute: authentication writes it at most once a minute per key.
  last_used_at timestamptz
);
CREATE INDEX api_client_key_client_idx ON api_client_key (api_client_id, created_at);

INSERT INTO api_client_key (id, api_client_id, key_hash, created_at, created_by, last_used_at)
SELECT hub_uuid_v7(a.created_at), a.id, a.key_hash, a.created_at, a.created_by, a.last_used_at
FROM api_client a ORDER BY a.created_at, a.id;

CREATE FUNCTION api_client_register_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO api_client_key (id, api_client_id, key_hash, created_at, created_by, last_used_at)
  VALUES (hub_uuid_v7(clock_timestamp()), NEW.id, NEW.key_hash, NEW.created_at, NEW.created_by, NEW.last_used_at);
  RETURN NULL;
END
$$;
CREATE TRIGGER api_client_register_key AFTER INSERT ON api_client
  FOR EACH ROW WHEN (NEW.key_hash IS NOT NULL) EXECUTE FUNCTION api_client_register_key();

CREATE FUNCTION api_client_key_hash_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'api_client.key_hash is fixed once written: issue a new key in api_client_key'
    USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER api_client_key_hash_fixed BEFORE UPDATE OF key_hash ON api_client
  FOR EACH ROW WHEN (OLD.key_hash IS DISTINCT FROM NEW.key_hash) EXECUTE FUNCTION api_client_key_hash_fixed();
`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Keys issued after a client's first one are dropped with the table: they stop working.
    await q.query(`
DROP TRIGGER api_client_key_hash_fixed ON api_client;
DROP FUNCTION api_client_key_hash_fixed();
DROP TRIGGER api_client_register_key ON api_client;
DROP FUNCTION api_client_register_key();
DROP TABLE api_client_key;
DROP FUNCTION hub_uuid_v7(timestamptz);
`);
  }
}
