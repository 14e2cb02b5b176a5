//! Unguessable random tokens, from the OS natively and from the Workers
//! runtime's `crypto.getRandomValues` at the edge.

/// A random token of `bytes` bytes, hex-encoded.
pub fn random_hex(bytes: usize) -> Result<String, crate::problem::Problem> {
    let mut buf = vec![0u8; bytes];
    fill(&mut buf).map_err(|err| {
        crate::log::error(&format!("no randomness available: {err}"));
        crate::problem::Problem::internal()
    })?;
    let mut out = String::with_capacity(bytes * 2);
    for b in buf {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    Ok(out)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(not(target_arch = "wasm32"))]
fn fill(buf: &mut [u8]) -> Result<(), String> {
    getrandom::fill(buf).map_err(|e| e.to_string())
}

#[cfg(target_arch = "wasm32")]
fn fill(buf: &mut [u8]) -> Result<(), String> {
    use worker::js_sys::{Function, Reflect, Uint8Array, global};
    use worker::wasm_bindgen::JsCast;

    let crypto = Reflect::get(&global(), &"crypto".into()).map_err(|_| "no crypto global")?;
    let get_random_values: Function = Reflect::get(&crypto, &"getRandomValues".into())
        .map_err(|_| "no crypto.getRandomValues")?
        .dyn_into()
        .map_err(|_| "crypto.getRandomValues is not a function")?;
    let array = Uint8Array::new_with_length(buf.len() as u32);
    get_random_values
        .call1(&crypto, &array)
        .map_err(|_| "crypto.getRandomValues failed")?;
    array.copy_to(buf);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_hex_and_differ() {
        let a = super::random_hex(16).unwrap();
        let b = super::random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
