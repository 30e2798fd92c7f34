"""Dutch texts per feature page, so each page's texts live next to no other feature's."""
