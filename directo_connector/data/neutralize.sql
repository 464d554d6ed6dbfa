-- A neutralized copy (staging, a duplicated database) must never talk to the production
-- Directo: forget the XML Direct key, mark every company as not connected (the addon then
-- makes no call at all until an administrator connects again) and stop automatic export.
UPDATE res_company
   SET directo_token = NULL,
       directo_connection_state = 'not_connected',
       directo_connection_checked_at = NULL,
       directo_connection_message = NULL,
       directo_auto_export = false;
