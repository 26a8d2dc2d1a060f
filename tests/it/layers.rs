//! The layers of `docs/architecture.md` hold: every import of the library's non-test code points
//! down (to a lower layer, or to a module listed before it in its own layer). The table is read
//! from the document, so the document and the code cannot drift apart; the imports are read with
//! `syn`, paths in macro invocations included.

use super::root;
use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use syn::visit::Visit;

/// The modules of the table in the document's "Layers" section, bottom first, each with its
/// layer's name.
fn layers(document: &str) -> Vec<(String, String)> {
    let section = document.split("\n## Layers\n").nth(1).expect("docs/architecture.md has a \"Layers\" section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut order = Vec::new();
    for row in section.lines().filter(|l| l.starts_with('|')).skip(2) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (layer, modules) = (cells[1], cells[2]);
        for module in modules.split(',') {
            let module = module.trim().trim_matches('`');
            assert!(!module.is_empty(), "an empty module name in the row of layer {layer}");
            order.push((module.to_owned(), layer.to_owned()));
        }
    }
    order
}

/// Which top-level modules one file's code (tests aside) names, for a file whose module path is
/// `path` (`["sim", "script"]` for `src/sim/script.rs`).
fn imports(source: &str, path: &[String]) -> BTreeSet<String> {
    let file = syn::parse_file(source).expect("the library's source parses");
    let mut reader = Reader { module: path.to_vec(), found: BTreeSet::new() };
    reader.visit_file(&file);
    reader.found
}

struct Reader {
    /// The module the visitor is in, from the crate root.
    module: Vec<String>,
    found: BTreeSet<String>,
}

impl Reader {
    /// The top-level module a path starting with `first` (then `rest`) names, if it names one.
    fn top(&self, segments: &[String]) -> Option<String> {
        let mut module = self.module.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                module.clear();
                rest = &rest[1..];
            }
            Some("super") | Some("self") => {
                while let Some(word) = rest.first().map(String::as_str) {
                    match word {
                        "super" => {
                            module.pop()?;
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            _ => return None,
        }
        match module.first() {
            Some(top) => Some(top.clone()),
            None => rest.first().cloned(),
        }
    }

    fn note(&mut self, segments: &[String]) {
        if let Some(top) = self.top(segments) {
            self.found.insert(top);
        }
    }

    /// Every `crate::NAME` (and `super::`/`self::` path) in a macro's tokens.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(group) => self.tokens(group.stream()),
                TokenTree::Ident(ident) if ["crate", "super", "self"].contains(&ident.to_string().as_str()) => {
                    let mut segments = vec![ident.to_string()];
                    let mut j = i + 1;
                    while let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(next))) =
                        (trees.get(j), trees.get(j + 1), trees.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(next.to_string());
                        j += 3;
                    }
                    if segments.len() > 1 {
                        self.note(&segments);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether an item is compiled only for tests.
fn test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg") && a.meta.require_list().is_ok_and(|l| l.tokens.to_string().contains("test")))
    })
}

fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push([prefix.clone(), vec![n.ident.to_string()]].concat()),
        syn::UseTree::Rename(r) => out.push([prefix.clone(), vec![r.ident.to_string()]].concat()),
        syn::UseTree::Glob(_) => out.push([prefix.clone(), vec!["*".to_owned()]].concat()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|item| use_paths(item, prefix, out)),
    }
}

impl<'ast> Visit<'ast> for Reader {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        // An inline module changes what `super` and `self` mean inside it.
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&item.tree, &mut Vec::new(), &mut paths);
        for path in paths {
            self.note(&path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.note(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// Every top-level module of the library's source and the top-level modules each file imports,
/// file by file (tests' files aside).
fn graph(src: &Path) -> (BTreeSet<String>, Vec<(String, String, String)>) {
    let mut modules = BTreeSet::new();
    let mut edges = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(src).unwrap();
            let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if path.is_dir() {
                // `src/tests/` is the library's white-box tests (`#[cfg(test)]`), in no layer.
                if parts.len() == 1 && parts[0] != "tests" {
                    modules.insert(parts[0].clone());
                }
                if parts.last().is_some_and(|p| p != "tests") {
                    stack.push(path);
                }
                continue;
            }
            let Some(stem) = parts.last().and_then(|p| p.strip_suffix(".rs")) else { continue };
            if parts.len() == 1 {
                modules.insert(stem.to_owned());
            }
            if stem == "tests" || stem == "lib" || parts[0] == "main.rs" {
                continue;
            }
            let mut module: Vec<String> = parts[..parts.len() - 1].to_vec();
            if stem != "mod" {
                module.push(stem.to_owned());
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for top in imports(&source, &module) {
                if top != module[0] {
                    edges.push((module[0].clone(), top, rel.display().to_string()));
                }
            }
        }
    }
    modules.remove("lib");
    (modules, edges)
}

/// Every way the source breaks the table.
fn breaches(order: &[(String, String)], modules: &BTreeSet<String>, edges: &[(String, String, String)]) -> Vec<String> {
    let place: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, (m, _))| (m.as_str(), i)).collect();
    let mut found = Vec::new();
    for module in modules {
        if !place.contains_key(module.as_str()) {
            found.push(format!("`{module}` is a module of src/ that the Layers table does not list"));
        }
    }
    for (module, _) in order {
        if !modules.contains(module) {
            found.push(format!("the Layers table lists `{module}`, which src/ does not have"));
        }
    }
    for (from, to, file) in edges {
        let (Some(&a), Some(&b)) = (place.get(from.as_str()), place.get(to.as_str())) else { continue };
        if b >= a {
            let (layer_from, layer_to) = (&order[a].1, &order[b].1);
            found.push(format!(
                "{file}: `{from}` ({layer_from}) imports `{to}` ({layer_to}), which is not below it in the Layers table"
            ));
        }
    }
    found
}

#[test]
fn every_import_points_down_the_layers_of_the_architecture_document() {
    let document = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let order = layers(&document);
    let (modules, edges) = graph(&root().join("src"));
    assert!(edges.len() > 50, "the reader found the imports ({} of them)", edges.len());
    let found = breaches(&order, &modules, &edges);
    assert!(found.is_empty(), "the code breaks docs/architecture.md's layers:\n{}", found.join("\n"));
}

#[test]
fn an_import_up_the_layers_is_refused() {
    let order: Vec<(String, String)> =
        [("protocol", "protocol"), ("sim", "engine"), ("check", "check")].map(|(m, l)| (m.into(), l.into())).into();
    let modules: BTreeSet<String> = order.iter().map(|(m, _)| m.clone()).collect();
    let upward = "use crate::check::Observations;\nfn f() { let _ = crate::protocol::X; }";
    let in_macro = "fn f() { let _ = format!(\"{}\", crate::check::words()); }";
    let relative = "mod inner { fn f() { super::super::super::check::go(); } }";
    let test_only = "#[cfg(test)]\nmod tests { use crate::check::Observations; }";
    let cases = [(upward, 1), (in_macro, 1), (relative, 1), (test_only, 0)];
    for (source, expected) in cases {
        let edges: Vec<_> = imports(source, &["sim".to_owned(), "script".to_owned()])
            .into_iter()
            .filter(|top| top != "sim")
            .map(|top| ("sim".to_owned(), top, "src/sim/script.rs".to_owned()))
            .collect();
        let found = breaches(&order, &modules, &edges);
        assert_eq!(found.len(), expected, "{source}: {found:?}");
    }
    let unlisted: BTreeSet<String> = modules.iter().cloned().chain(["stray".to_owned()]).collect();
    assert_eq!(breaches(&order, &unlisted, &[]).len(), 1, "a module the table does not list");
    let missing: BTreeSet<String> = modules.iter().filter(|m| *m != "check").cloned().collect();
    assert_eq!(breaches(&order, &missing, &[]).len(), 1, "a module the table lists that does not exist");
}
