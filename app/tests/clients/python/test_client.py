"""Calls the running shop API through the Python client generated from its
OpenAPI document by openapi-python-client, and checks the decoded results.

Usage: python test_client.py <base-url> <customer-token>   (the generated
package, `shop_client`, must be importable: see app/tests/clients.rs)
"""

import sys

from shop_client import AuthenticatedClient, Client
from shop_client.api.catalog import get_product, list_products
from shop_client.api.orders import create_order, get_order, list_orders
from shop_client.models import (
    Address,
    CreateOrderRequest,
    CreateOrderResponse409,
    ListProductsSort,
    Order,
    OrderPage,
    OrderStatus,
    ProductDetail,
    ProductPage,
    StockLine,
)


def main(base: str, token: str) -> None:
    # The catalog is public; orders need the customer's bearer token.
    client = Client(base_url=base, raise_on_unexpected_status=True)
    customer = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)

    # A list, walked page by page with the opaque cursor.
    ids = []
    cursor = None
    while True:
        kwargs = {"cursor": cursor} if cursor else {}
        page = list_products.sync(client=client, sort=ListProductsSort.PRICE_ASC, limit=7, **kwargs)
        assert isinstance(page, ProductPage), page
        ids.extend(p.id for p in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(ids) == 24 and len(set(ids)) == 24, ids

    # A detail read, decoded into typed models.
    product = get_product.sync(client=client, product_id=3)
    assert isinstance(product, ProductDetail), product
    assert product.sku == "SHO-003"
    assert product.price.amount_cents == 18900 and product.price.currency == "USD"
    assert product.description == "Carbon-plated racing flat."
    assert product.availability.warehouses_in_stock == 2

    address = Address(name="Grace Hopper", line1="Main 2", city="Arlington", postal_code="22201", country="US")

    # Without a token, an order is refused with a 401. (The generated
    # function asks for an AuthenticatedClient; the plain one sends none.)
    anonymous = create_order.sync_detailed(
        client=client,  # type: ignore[arg-type]
        body=CreateOrderRequest(items=[StockLine(sku="ACC-005", quantity=2)], shipping_address=address),
    )
    assert anonymous.status_code == 401, anonymous
    assert anonymous.headers["www-authenticate"] == "Bearer"

    # An order: 201, with the Location header and the typed order.
    created = create_order.sync_detailed(
        client=customer,
        body=CreateOrderRequest(items=[StockLine(sku="ACC-005", quantity=2)], shipping_address=address),
    )
    assert created.status_code == 201, created
    order = created.parsed
    assert isinstance(order, Order), order
    assert order.status == OrderStatus.PENDING
    assert order.total.amount_cents == 2 * 8900
    assert order.customer_id == 7
    assert created.headers["location"] == f"/v1/orders/{order.id}"

    # The customer's own orders, and one of them.
    mine = list_orders.sync(client=customer, status=OrderStatus.PENDING)
    assert isinstance(mine, OrderPage), mine
    assert [o.id for o in mine.items] == [order.id]
    again = get_order.sync(client=customer, order_id=order.id)
    assert isinstance(again, Order), again
    assert again.total.amount_cents == 2 * 8900

    # A 409: the problem is decoded into its own model, with the extension
    # members the document declares for it.
    refused = create_order.sync_detailed(
        client=customer,
        body=CreateOrderRequest(customer_id=7, items=[StockLine(sku="ACC-005", quantity=10000)], shipping_address=address),
    )
    assert refused.status_code == 409, refused
    problem = refused.parsed
    assert isinstance(problem, CreateOrderResponse409), problem
    assert problem.type_ == "/problems/insufficient-stock"
    assert problem.status == 409
    assert problem.short_skus == ["ACC-005"]
    assert problem.errors[0].pointer == "#/body/items/0/quantity"
    print("python client: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
