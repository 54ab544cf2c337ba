import { Field, ID, InterfaceType } from 'type-graphql';
import { PrimaryColumn } from 'typeorm';
import { encodeId } from './ids';

/**
 * The Node interface, and the base class of every entity row that implements it: the
 * database primary key is `uuid` (column `id`); the API's `id` is the global id derived
 * from it and the class name (which is the GraphQL type name).
 */
@InterfaceType({ description: 'An entity with a stable, opaque global id.' })
export abstract class Node {
  @PrimaryColumn('uuid', { name: 'id' })
  uuid: string;

  @Field(() => ID)
  get id(): string {
    return encodeId(this.constructor.name, this.uuid);
  }
}

/** Entities extend NodeRow and declare `@ObjectType({ implements: Node })`. */
export { Node as NodeRow };
