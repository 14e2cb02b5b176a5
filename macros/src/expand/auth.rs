//! The `auth` module: the spec's security model as a `keel::auth::Security`
//! static, the `Role` enum, and `Caller`, the typed verified caller that
//! protected handlers receive and query bindings read claims from.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{field_type, ident};
use crate::check::plan::{AccessPlan, Algorithm, Plan, SecurityPlan, Ty};

pub(super) fn expand(plan: &Plan) -> TokenStream {
    let security = &plan.security;
    let statik = security_static(security);
    let caller = if security.roles.is_empty() {
        TokenStream::new()
    } else {
        caller(security)
    };
    quote! {
        /// Who may call the API: the security model of the spec.
        pub mod auth {
            #statik
            #caller
        }
    }
}

fn opt_str(value: Option<&String>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

fn security_static(security: &SecurityPlan) -> TokenStream {
    let schemes = security.schemes.iter().map(|s| {
        let name = &s.name;
        let keys = s.keys.iter().map(|(alg, variable)| {
            let alg = match alg {
                Algorithm::Hs256 => quote!(::keel::auth::Algorithm::Hs256),
                Algorithm::EdDsa => quote!(::keel::auth::Algorithm::EdDsa),
            };
            quote!((#alg, #variable))
        });
        let issuer = opt_str(s.issuer.as_ref());
        let audience = opt_str(s.audience.as_ref());
        let leeway = s.leeway;
        quote! {
            ::keel::auth::Scheme {
                name: #name,
                keys: &[#(#keys),*],
                issuer: #issuer,
                audience: #audience,
                leeway: #leeway,
            }
        }
    });
    let role_claim = &security.role_claim;
    let roles = security.roles.iter().map(|r| {
        let name = &r.name;
        let schemes = &r.schemes;
        quote!(::keel::auth::RoleRule { name: #name, schemes: &[#(#schemes),*] })
    });
    let claims = security.claims.iter().map(|c| {
        let name = &c.name;
        let claim = &c.claim;
        let optional = c.optional;
        let kind = match c.ty {
            Ty::I64 => quote!(::keel::auth::ClaimKind::Integer),
            _ => quote!(::keel::auth::ClaimKind::String),
        };
        quote! {
            ::keel::auth::Claim { name: #name, claim: #claim, kind: #kind, optional: #optional }
        }
    });
    quote! {
        /// The schemes, roles and claims of the spec, as `keel::auth` reads them.
        pub static SECURITY: ::keel::auth::Security = ::keel::auth::Security {
            schemes: &[#(#schemes),*],
            role_claim: #role_claim,
            roles: &[#(#roles),*],
            claims: &[#(#claims),*],
        };
    }
}

fn caller(security: &SecurityPlan) -> TokenStream {
    let variants: Vec<(String, String)> = security
        .roles
        .iter()
        .map(|r| (r.name.clone(), r.variant.clone()))
        .collect();
    let role_enum = super::types::enumeration(
        "Role",
        Some("The roles a caller can have, as the spec's `security.roles` names them."),
        &variants,
    );
    let role_arms = security.roles.iter().enumerate().map(|(i, r)| {
        let v = format_ident!("{}", r.variant);
        quote!(#i => Role::#v,)
    });
    let fields = security.claims.iter().map(|c| {
        let name = ident(&c.name);
        let ty = field_type(&c.ty, c.optional);
        quote!(#name: #ty,)
    });
    // Read-only: a `Caller` comes from a verified token, never from code
    // that could make up someone else.
    let getters = security.claims.iter().map(|c| {
        let name = ident(&c.name);
        let doc = format!(
            " {}",
            c.description
                .clone()
                .unwrap_or_else(|| format!("The `{}` claim.", c.claim))
        );
        let (ty, read) = match (&c.ty, c.optional) {
            (Ty::I64, false) => (quote!(i64), quote!(self.#name)),
            (Ty::I64, true) => (quote!(::std::option::Option<i64>), quote!(self.#name)),
            (_, false) => (quote!(&str), quote!(&self.#name)),
            (_, true) => (
                quote!(::std::option::Option<&str>),
                quote!(self.#name.as_deref()),
            ),
        };
        quote! {
            #[doc = #doc]
            pub fn #name(&self) -> #ty {
                #read
            }
        }
    });
    let reads = security.claims.iter().enumerate().map(|(i, c)| {
        let name = ident(&c.name);
        quote!(#name: principal.claim_as(#i)?,)
    });
    quote! {
        #role_enum

        /// A caller whose credential was verified: their role and claims.
        /// Only a verified token makes one.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Caller {
            role: Role,
            #(#fields)*
        }

        impl Caller {
            /// The caller's role.
            pub fn role(&self) -> Role {
                self.role
            }

            #(#getters)*

            /// The typed caller of a principal `keel::auth::authenticate` admitted.
            pub fn from_principal(
                principal: &::keel::auth::Principal,
            ) -> ::std::result::Result<Self, ::keel::Problem> {
                let role = match principal.role() {
                    #(#role_arms)*
                    _ => return ::std::result::Result::Err(::keel::auth::Principal::unknown_role()),
                };
                ::std::result::Result::Ok(Caller { role, #(#reads)* })
            }
        }
    }
}

/// The statements that authenticate the caller of a protected endpoint,
/// binding `__principal`.
pub(super) fn authenticate(access: &AccessPlan) -> TokenStream {
    let schemes = &access.schemes;
    let roles = &access.roles;
    quote! {
        static __ACCESS: ::keel::auth::Access = ::keel::auth::Access {
            schemes: &[#(#schemes),*],
            roles: &[#(#roles),*],
        };
        let __principal = ::keel::auth::authenticate(
            &auth::SECURITY,
            __cx.keys,
            __req,
            &__ACCESS,
        )?;
    }
}

/// The statement that makes the typed `__caller` of `__principal`.
pub(super) fn make_caller() -> TokenStream {
    quote! {
        let __caller = auth::Caller::from_principal(&__principal)?;
    }
}

/// Refuses, with 403, a parameter sent by a role it is not for.
pub(super) fn param_roles(security: &SecurityPlan, param: &str, roles: &[usize]) -> TokenStream {
    let var = ident(param);
    let variants = roles
        .iter()
        .filter_map(|&r| security.roles.get(r))
        .map(|r| {
            let v = format_ident!("{}", r.variant);
            quote!(auth::Role::#v)
        });
    let names: Vec<&str> = roles
        .iter()
        .filter_map(|&r| security.roles.get(r))
        .map(|r| r.name.as_str())
        .collect();
    let detail = format!(
        "only the {} role{} may send the `{param}` parameter",
        crate::names::join_or(&names),
        if names.len() > 1 { "s" } else { "" }
    );
    quote! {
        if #var.is_some() && !matches!(__caller.role(), #(#variants)|*) {
            return ::std::result::Result::Err(::keel::Problem::forbidden(#detail));
        }
    }
}
