#!/usr/bin/env bash
# Regenerates the EF Core compiled model (Sparkify.Warehouse/CompiledModel) after any change to the
# entities or their configuration; CompiledModelTests fails until it is rerun. The model is made
# internal and is not discovered by attribute: UseWarehouse chooses it only for PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sparkify.Warehouse/CompiledModel
rm -rf "$out"
# dotnet ef builds the model without connecting; the connection string only has to parse.
SPARKIFY_PROVIDER=postgres SPARKIFY_CONNECTION="Host=localhost" dotnet ef dbcontext optimize \
  --project Sparkify.Warehouse --output-dir CompiledModel --namespace Sparkify.Warehouse.CompiledModel
rm "$out/WarehouseDbContextAssemblyAttributes.cs"
sed -i 's/^    public partial class /    internal partial class /' "$out"/*.cs
