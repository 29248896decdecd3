"""TF-Slim, as far as slim nets need it: arg scopes, slim layers, and the ResNets."""
