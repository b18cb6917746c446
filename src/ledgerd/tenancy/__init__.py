"""Users, businesses, memberships and roles; the lead business."""
