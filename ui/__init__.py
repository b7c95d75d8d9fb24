"""The Qt desktop app. Thin: widgets and models over `shopper.services`, never the ORM."""
