using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sparkify.Warehouse.Migrations
{
    /// <inheritdoc />
    public partial class NullableRecordsStaged : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // load_files.records_staged becomes NULL where a file's own count is not known (a Redshift COPY
            // that read several files reports only their total); the previous schema, NOT NULL, stored -1
            // there, which any SUM over the column would have counted. No PostgreSQL load wrote -1, but the
            // rule is the same on both targets.
            migrationBuilder.AlterColumn<long>(
                name: "records_staged",
                table: "load_files",
                type: "bigint",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "bigint").PostgreSqlOnly();
            migrationBuilder.Sql("UPDATE load_files SET records_staged = NULL WHERE records_staged = -1;").PostgreSqlOnly();

            // Redshift cannot drop a column's NOT NULL: a nullable column takes the values, then the
            // place and the name of the old one. It becomes the table's last column, which nothing
            // depends on (every statement names its columns).
            migrationBuilder.RedshiftSql("ALTER TABLE \"load_files\" ADD COLUMN \"records_staged_nullable\" BIGINT NULL");
            migrationBuilder.RedshiftSql("UPDATE \"load_files\" SET \"records_staged_nullable\" = NULLIF(\"records_staged\", -1)");
            migrationBuilder.RedshiftSql("ALTER TABLE \"load_files\" DROP COLUMN \"records_staged\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"load_files\" RENAME COLUMN \"records_staged_nullable\" TO \"records_staged\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to NOT NULL, with NULL ("not known per file") written as -1, the previous schema's mark
            // for it, which the code of that version reads as unknown: nothing is lost and nothing looks
            // like a count.
            migrationBuilder.Sql("UPDATE load_files SET records_staged = -1 WHERE records_staged IS NULL;").PostgreSqlOnly();
            migrationBuilder.AlterColumn<long>(
                name: "records_staged",
                table: "load_files",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldNullable: true).PostgreSqlOnly();

            // Redshift adds a NOT NULL column to a table holding rows only with a default, and cannot drop
            // a default afterwards: the restored column keeps DEFAULT -1, which the previous version never
            // relied on (it always wrote the column).
            migrationBuilder.RedshiftSql("ALTER TABLE \"load_files\" ADD COLUMN \"records_staged_not_null\" BIGINT DEFAULT -1 NOT NULL");
            migrationBuilder.RedshiftSql("UPDATE \"load_files\" SET \"records_staged_not_null\" = COALESCE(\"records_staged\", -1)");
            migrationBuilder.RedshiftSql("ALTER TABLE \"load_files\" DROP COLUMN \"records_staged\"");
            migrationBuilder.RedshiftSql("ALTER TABLE \"load_files\" RENAME COLUMN \"records_staged_not_null\" TO \"records_staged\"");
        }
    }
}
