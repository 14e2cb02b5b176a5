//! Rebuilds the API when a query or migration file is added or removed;
//! edits to existing files are tracked by the `keel::api!` macro itself.

fn main() {
    println!("cargo::rerun-if-changed=../api.yaml");
    println!("cargo::rerun-if-changed=queries");
    println!("cargo::rerun-if-changed=../migrations");
}
