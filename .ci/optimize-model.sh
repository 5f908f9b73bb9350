#!/usr/bin/env bash
# Regenerates the EF Core compiled model (Sparkify.Warehouse/CompiledModel) after any change to the
# entities or their configuration; CompiledModelTests fails until it is rerun. The model is made
# internal and is not discovered by attribute: UseWarehouse chooses it only for PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sparkify.Warehouse/CompiledModel
# Generated beside the project (obj/ is not compiled) and swapped in afterwards: the project refers to
# the current model, so it must still build while dotnet ef builds it.
staged=obj/CompiledModel.new
rm -rf "Sparkify.Warehouse/$staged"
# dotnet ef builds the model without connecting; the connection string only has to parse.
SPARKIFY_PROVIDER=postgres SPARKIFY_CONNECTION="Host=localhost" dotnet ef dbcontext optimize \
  --project Sparkify.Warehouse --output-dir "$staged" --namespace Sparkify.Warehouse.CompiledModel
rm "Sparkify.Warehouse/$staged/WarehouseDbContextAssemblyAttributes.cs"
sed -i 's/^    public partial class /    internal partial class /' "Sparkify.Warehouse/$staged"/*.cs
rm -rf "$out"
mv "Sparkify.Warehouse/$staged" "$out"
