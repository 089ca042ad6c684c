import { describe, expect, it } from 'vitest';
import { COLUMN_KINDS } from '../../../src/core/table-schema.js';
import {
  MAXCOMPUTE_TYPE_OF,
  maxComputeCreateTables,
  maxComputeTypeMappingTable,
} from '../../../src/merge/maxcompute-types.js';
import { planMerge } from '../../../src/merge/plan-merge.js';

const customer = {
  target: 'customer',
  keyColumns: ['id'],
  columns: ['id', 'register_time', 'address'],
  naming: 'classic' as const,
};

describe('planMerge', () => {
  it('MaxCompute: the DTS document text, quoted, with the seed bugs fixed', () => {
    expect(planMerge(customer, 1565944878, 'maxcompute', 'customer_1565944878')).toBe(
      [
        'set odps.sql.allow.fullscan=true;',
        'insert overwrite table `customer_1565944878`',
        'select `id`,',
        '`register_time`,',
        '`address`',
        'from(',
        'select row_number() over(partition by t.`id`',
        'order by `record_id` desc, `after_flag` desc) as `row_number`, `record_id`, `operation_flag`, `after_flag`, `id`, `register_time`, `address`',
        'from(',
        'select incr.`record_id`, incr.`operation_flag`, incr.`after_flag`, incr.`id`, incr.`register_time`, incr.`address`',
        'from `customer_log` incr',
        'where incr.`utc_timestamp`< 1565944878',
        'union all',
        "select 0 as `record_id`, 'I' as `operation_flag`, 'Y' as `after_flag`, base.`id`, base.`register_time`, base.`address`",
        'from `customer_base` base) t) gt',
        'where gt.`row_number`= 1',
        "and gt.`after_flag`= 'Y';",
      ].join('\n'),
    );
  });

  it('partitions by every key column', () => {
    const sql = planMerge({ ...customer, keyColumns: ['id', 'address'] }, 5, 'maxcompute', 'x');
    expect(sql).toContain('partition by t.`id`, t.`address`\n');
  });

  it('Spark: INSERT OVERWRITE TABLE with backticks, no odps setting', () => {
    const sql = planMerge({ ...customer, naming: 'new' }, 7, 'spark', 'out`put');
    expect(sql.split('\n')[0]).toBe('INSERT OVERWRITE TABLE `out``put`');
    expect(sql).not.toContain('odps');
    expect(sql).toContain('order by `new_dts_sync_record_id` desc, `new_dts_sync_after_flag` desc');
    expect(sql).toContain('where incr.`new_dts_sync_utc_timestamp`< 7');
    expect(sql).toContain(
      "select 0 as `new_dts_sync_record_id`, 'I' as `new_dts_sync_operation_flag`, 'Y' as `new_dts_sync_after_flag`",
    );
  });

  it('DuckDB: CREATE OR REPLACE TABLE with double quotes', () => {
    const sql = planMerge(
      {
        target: 'we"ird',
        keyColumns: ['k"1', 'k2'],
        columns: ['k"1', 'k2', 'row_number'],
        naming: 'classic',
      },
      1700000000,
      'duckdb',
      'in"to',
    );
    expect(sql).toBe(
      [
        'CREATE OR REPLACE TABLE "in""to" AS',
        'SELECT "k""1", "k2", "row_number"',
        'FROM (',
        '  SELECT row_number() OVER (PARTITION BY t."k""1", t."k2" ORDER BY "record_id" DESC, "after_flag" DESC) AS "row_number_1", "record_id", "operation_flag", "after_flag", "k""1", "k2", "row_number"',
        '  FROM (',
        '    SELECT incr."record_id", incr."operation_flag", incr."after_flag", incr."k""1", incr."k2", incr."row_number"',
        '    FROM "we""ird_log" incr',
        '    WHERE incr."utc_timestamp" < 1700000000',
        '    UNION ALL',
        `    SELECT CAST(0 AS BIGINT) AS "record_id", 'I' AS "operation_flag", 'Y' AS "after_flag", base."k""1", base."k2", base."row_number"`,
        '    FROM "we""ird_base" base',
        '  ) t',
        ') gt',
        'WHERE gt."row_number_1" = 1',
        `  AND gt."after_flag" = 'Y';`,
      ].join('\n'),
    );
  });

  it('refuses a table without key and a fractional second', () => {
    expect(() => planMerge({ ...customer, keyColumns: [] }, 1, 'duckdb', 'x')).toThrow(/no key/);
    expect(() => planMerge(customer, 1.5, 'duckdb', 'x')).toThrow(/whole epoch seconds/);
  });
});

describe('MySQL → MaxCompute types', () => {
  it('has one documented row per ColumnKind', () => {
    expect(Object.keys(MAXCOMPUTE_TYPE_OF).sort()).toEqual([...COLUMN_KINDS].sort());
    expect(maxComputeTypeMappingTable()).toHaveLength(COLUMN_KINDS.length);
  });

  it('writes CREATE TABLE statements the merge SQL assumes', () => {
    const base = {
      nullable: true,
      columnType: '',
      length: null,
      scale: null,
      fsp: null,
      charset: null,
      members: null,
      defaultSql: null,
    };
    const sql = maxComputeCreateTables(
      {
        target: 'customer',
        naming: 'classic',
        partitions: ['modifytime_year'],
        columns: [
          { name: 'id', column: { ...base, name: 'id', kind: 'bigint', unsigned: true } },
          {
            name: 'amount',
            column: { ...base, name: 'amount', kind: 'decimal', unsigned: false, length: 65, scale: 2 },
          },
          { name: 'photo', column: { ...base, name: 'photo', kind: 'blob', unsigned: false } },
        ],
      },
      'customer_1',
    );
    expect(sql.split('\n')).toEqual([
      'CREATE TABLE IF NOT EXISTS `customer_base` (`id` DECIMAL(20,0), `amount` STRING, `photo` BINARY);',
      'CREATE TABLE IF NOT EXISTS `customer_log` (`record_id` BIGINT, `operation_flag` STRING, `utc_timestamp` BIGINT, `before_flag` STRING, `after_flag` STRING, `id` DECIMAL(20,0), `amount` STRING, `photo` BINARY) PARTITIONED BY (`modifytime_year` STRING);',
      'CREATE TABLE IF NOT EXISTS `customer_1` (`id` DECIMAL(20,0), `amount` STRING, `photo` BINARY);',
    ]);
  });
});
