import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { User } from '../../entities/user.entity';

/** Credentials a user shown through a loader never carries. */
export const SHOWN_USER_OMITS: (keyof User)[] = [
  'passwordHash',
  'twoFactorSecret',
  'twoFactorPendingSecret',
  'twoFactorLastStep',
];

/**
 * Hand-written SQL for the hot paths still reads and builds entities from TypeORM's own
 * column metadata, so a column added to an entity is selected and mapped without touching
 * the statements. `prefix` keeps the columns of joined tables apart (`u__display_name`).
 */
export class EntityRows<T extends ObjectLiteral> {
  private readonly columns: { databaseName: string; propertyName: string }[];
  private readonly prototype: object;
  private readonly hasId: boolean;
  /** Per prefix, the row keys and properties: built once, not per row and column. */
  private readonly layouts = new Map<string, { idKey: string; keys: [string, string][] }>();

  /** `omit`: properties never read here (e.g. a password hash nobody on the path needs). */
  constructor(dataSource: DataSource, target: EntityTarget<T>, omit: (keyof T)[] = []) {
    const metadata = dataSource.getMetadata(target);
    this.columns = metadata.columns
      .filter((c) => !omit.includes(c.propertyName as keyof T))
      .map((c) => ({ databaseName: c.databaseName, propertyName: c.propertyName }));
    this.prototype = (metadata.target as { prototype: object }).prototype;
    this.hasId = this.columns.some((c) => c.databaseName === 'id');
  }

  /** `alias.col AS "prefixcol", …` for a select list. */
  select(alias: string, prefix = ''): string {
    return this.columns
      .map((c) => `${alias}.${c.databaseName} AS "${prefix}${c.databaseName}"`)
      .join(', ');
  }

  /** The entity in `row` (null when its id column is null, as on the empty side of a join). */
  map(row: Record<string, unknown>, prefix = ''): T | null {
    const { idKey, keys } = this.layout(prefix);
    if (this.hasId && (row[idKey] === null || row[idKey] === undefined)) return null;
    const entity = Object.create(this.prototype) as Record<string, unknown>;
    for (const [key, property] of keys) entity[property] = row[key];
    return entity as T;
  }

  private layout(prefix: string) {
    let layout = this.layouts.get(prefix);
    if (!layout) {
      layout = {
        idKey: `${prefix}id`,
        keys: this.columns.map((c) => [`${prefix}${c.databaseName}`, c.propertyName]),
      };
      this.layouts.set(prefix, layout);
    }
    return layout;
  }
}
