//! A change clients of the released contract can live with, an optional
//! query parameter: the build passes, and the change is in the API's
//! changelog.
//!
//! It builds and runs.
//!
//! edit api.yaml
//!   replace `    params:\n      sku: { in: path, type: string, pattern: "^[A-Z0-9]+(-[A-Z0-9]+)*$", maxLength: 64 }\n    queries:\n      - inventory.sku_product`
//!   with    `    params:\n      sku: { in: path, type: string, pattern: "^[A-Z0-9]+(-[A-Z0-9]+)*$", maxLength: 64 }\n      verbose: { in: query, type: boolean }\n    queries:\n      - inventory.sku_product`

keel::api!(
    spec = "copies/compatible_change/api.yaml",
    queries = "copies/compatible_change/queries",
    migrations = "copies/compatible_change/migrations",
    contract = "../../../docs/contract",
    paths_from = "file"
);

fn main() {
    let changelog = <Api as keel::Service>::API_CHANGELOG;
    assert!(
        changelog.contains(
            "- `GET /v1/inventory/{sku}`: an optional query parameter `verbose` was added (parameter-added)"
        ),
        "{changelog}"
    );
    assert!(!changelog.contains("### Breaking"), "{changelog}");
}
