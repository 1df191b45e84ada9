//! Rebuild when anything under rules/ changes: the built-in rules are embedded with
//! include_dir!, which does not tell cargo about files added to the folder.
fn main() {
    println!("cargo:rerun-if-changed=rules");
}
