"""``lstmcast summary``: the layer table and settings of a saved model."""

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.output import emit_json
from lstmcast.cli.params import Json, ModelDir


@app.command()
def summary(
    model: ModelDir,
    as_json: Json = False,
) -> None:
    """Keras-style layer table, configuration and data schema of a saved model (loads no weights)."""
    with user_errors(as_json=as_json):
        from lstmcast.io.saving import read_document
        from lstmcast.nn.network import network_from_dict
        from lstmcast.nn.summary import format_summary, layer_rows, total_params

        doc = read_document(model)
        spec = network_from_dict(doc["network"])
        if as_json:
            rows = [
                {"name": r.name, "kind": r.kind, "output_shape": list(r.output_shape), "params": r.params}
                for r in layer_rows(spec)
            ]
            emit_json(
                {
                    "layers": rows,
                    "total_params": total_params(spec),
                    "config": doc["config"],
                    "schema": doc["schema"],
                    "library_version": doc["library_version"],
                }
            )
            return
        con = console()
        con.print(format_summary(spec), highlight=False)
        schema = doc["schema"]
        con.print(
            f"Targets: {', '.join(schema['targets'])}; features: {', '.join(schema['features']) or 'none'}"
            f"; known in advance: {', '.join(schema.get('future', [])) or 'none'}"
        )
        panel = doc.get("panel")
        if panel:  # many series: how many, by which column, and their static attributes (static=)
            static = panel.get("static") or {}
            names = [*static.get("numeric", []), *static.get("categorical", [])]
            con.print(
                f"Series: {len(panel['ids'])} (id column {panel['id']!r}); static attributes: "
                f"{', '.join(names) or 'none'}",
                highlight=False,
            )
        con.print(
            f"Fitted on data of {schema['rows']} rows (test part included), {schema['first_timestamp']} to "
            f"{schema['last_timestamp']}"
            f" (frequency {schema['freq'] or 'steps'}); saved by lstmcast {doc['library_version']}"
        )
        changed = {k: v for k, v in doc["config"].items() if k != "verbose"}
        con.print("Configuration: " + ", ".join(f"{k}={v!r}" for k, v in changed.items()), highlight=False)
